"""Survey campaigns: an admin invites residents who opted in to surveys to answer a survey flow, paced through the
outbox, refused during an electoral blackout unless the flow is exempt (see docs/flows.md, "Campaigns")."""
