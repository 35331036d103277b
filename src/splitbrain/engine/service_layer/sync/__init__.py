"""The engine as a service: a durable inbox, the worker that decides, an outbox that delivers."""
