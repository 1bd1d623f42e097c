"""Person keys: a keyed hash of a member's mobile number, so staff find a person without a Scan."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import Mapping

from botocore.exceptions import ClientError

from chalicelib.dynamo import PERSON_SECRET_PK, error_code
from chalicelib.forms import FormDef

SECRET_BYTES = 32


def mobile_of(form: FormDef, clean: Mapping[str, object]) -> str | None:
    """Return the (already normalised) mobile number a submission carries, if any."""
    for field in form.fields:
        if field.kind == "mobile" and isinstance(clean.get(field.name), str):
            return str(clean[field.name])
    return None


def person_key(secret: bytes, mobile: str) -> str:
    """Return the HMAC-SHA256 of a normalised mobile number under the stage's secret, in hex."""
    return hmac.new(secret, mobile.encode("utf-8"), hashlib.sha256).hexdigest()


class PersonKeys:
    """Computes person keys with the secret kept in the table it is handed (made there once)."""

    def __init__(self, table) -> None:
        self._table = table
        self._secret: bytes | None = None
        self._lock = threading.Lock()

    def key_of(self, mobile: str) -> str:
        """Return the person key of a normalised mobile number."""
        return person_key(self._load_secret(), mobile)

    def _load_secret(self) -> bytes:
        with self._lock:
            if self._secret is None:
                self._secret = self._read_or_make()
            return self._secret

    def _read_or_make(self) -> bytes:
        item = self._table.get_item(Key={"pk": PERSON_SECRET_PK}, ConsistentRead=True).get("Item")
        if item is None:
            try:
                self._table.put_item(
                    Item={"pk": PERSON_SECRET_PK, "secret": secrets.token_hex(SECRET_BYTES)},
                    ConditionExpression="attribute_not_exists(pk)",
                )
            except ClientError as error:
                # Another function made it first: theirs is the one every key must use.
                if error_code(error) != "ConditionalCheckFailedException":
                    raise
            item = self._table.get_item(Key={"pk": PERSON_SECRET_PK}, ConsistentRead=True)["Item"]
        return bytes.fromhex(item["secret"])
