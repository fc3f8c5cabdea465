"""The service desk: cases of every type (enablement requests, payment inquiries, billing,
other), their routing, priorities and escalation, attachments, replies by email, and the
requester's resolution. (issues 4 and 24)

Public to the web and the runtime: service (CaseService), inbound (InboundMail)."""
