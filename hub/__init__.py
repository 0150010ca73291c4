"""What faces the hub: the request list and triage pages, notifications and scheduled follow-ups."""
