"""One router per portal resource; each module exposes ``router(store) -> APIRouter``."""
