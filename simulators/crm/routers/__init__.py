"""One router per CRM resource; each module exposes ``router(store) -> APIRouter``."""
