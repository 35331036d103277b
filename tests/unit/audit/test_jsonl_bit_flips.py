"""Every single bit flip anywhere in an exported line is caught at that line's seq."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from splitbrain.engine.adapters.audit_files import entries_from_lines, write_jsonl
from splitbrain.engine.domain.audit import VerifyFailure, sign_checkpoint, verify
from tests.unit.audit.factories import CHECKPOINT_KEY, build_chain


def test_every_bit_of_a_stored_line_is_protected(tmp_path: Path) -> None:
    entries = build_chain(2)
    checkpoints = [sign_checkpoint(entries[-1], CHECKPOINT_KEY)]
    export = tmp_path / "audit.jsonl"
    write_jsonl(entries, export)
    data = export.read_bytes()
    line_one = range(data.index(b"\n") + 1)  # every field of seq 1 and its newline
    seen: set[VerifyFailure | None] = set()

    for offset in line_one:
        for bit in range(8):
            flipped = bytearray(data)
            flipped[offset] ^= 1 << bit

            result = verify(entries_from_lines(BytesIO(flipped)), checkpoints, CHECKPOINT_KEY)

            assert result.first_bad_seq == 1, (offset, bit, result.message)
            seen.add(result.failure)

    assert seen == {
        VerifyFailure.MALFORMED_ENTRY,
        VerifyFailure.HASH_MISMATCH,
        VerifyFailure.SEQUENCE_GAP,
        VerifyFailure.UNKNOWN_HASH_VERSION,
        VerifyFailure.BROKEN_LINK,
    }
