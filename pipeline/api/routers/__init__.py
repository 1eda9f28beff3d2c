"""One router per area of the API. Each carries the /v1 prefix itself, so the route
seen by the metrics middleware has the full path template."""

API_PREFIX = "/v1"
