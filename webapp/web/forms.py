"""The base of every form: Flask-WTF (CSRF) with WTForms' own messages in Bahasa Indonesia; the pieces several
forms share (the empty action form, photos, idempotency keys, checkbox lists).

WTForms ships no Indonesian catalogue, so its built-in messages ("Not a valid choice.") would reach people
in English; this translation object answers them in Indonesian, and falls back to the English text for
any message not listed.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

WTFORMS_ID = {
    "This field is required.": "Wajib diisi.",
    "Invalid input.": "Isian tidak sah.",
    "Not a valid choice.": "Pilihan tidak sah.",
    "Invalid Choice: could not coerce.": "Pilihan tidak sah.",
    "Invalid choice(s): one or more data inputs could not be coerced.": "Ada pilihan yang tidak sah.",
    "'%(value)s' is not a valid choice for this field.": "'%(value)s' bukan pilihan yang sah.",
    "'%(value)s' are not valid choices for this field.": "'%(value)s' bukan pilihan yang sah.",
    "Not a valid integer value.": "Harus bilangan bulat.",
    "Not a valid float value.": "Harus angka.",
    "Not a valid decimal value.": "Harus angka.",
    "Number must be at least %(min)s.": "Angka paling kecil %(min)s.",
    "Number must be at most %(max)s.": "Angka paling besar %(max)s.",
    "Number must be between %(min)s and %(max)s.": "Angka harus antara %(min)s dan %(max)s.",
    "Field must be between %(min)d and %(max)d characters long.": "Panjang isian %(min)d sampai %(max)d karakter.",
    "Field cannot be longer than %(max)d character.": "Isian paling panjang %(max)d karakter.",
    "Field cannot be longer than %(max)d characters.": "Isian paling panjang %(max)d karakter.",
    "Field must be at least %(min)d character long.": "Isian paling pendek %(min)d karakter.",
    "Field must be at least %(min)d characters long.": "Isian paling pendek %(min)d karakter.",
    "Invalid email address.": "Alamat email tidak sah.",
    "The CSRF token is missing.": "Formulir kedaluwarsa. Muat ulang halaman lalu kirim lagi.",
    "The CSRF token is invalid.": "Formulir kedaluwarsa. Muat ulang halaman lalu kirim lagi.",
}


class IndonesianMessages:
    def gettext(self, message: str) -> str:
        return WTFORMS_ID.get(message, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


class Form(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return IndonesianMessages()


class ActionForm(Form):
    """An empty form: a button that changes something is a POST with a CSRF token."""


MAX_PHOTO_BYTES = 100 * 1024
PHOTO_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{8,100}$")


def photo_type(data: bytes) -> str | None:
    """The image type from its first bytes (JPEG, PNG or WebP), not from what the client claims."""
    for magic, kind in PHOTO_TYPES.items():
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_photo(field) -> None:
    """An optional photo field: at most 100 KB, and a JPEG, PNG or WebP by its first bytes."""
    if not field.data:
        return
    data = field.data.read(MAX_PHOTO_BYTES + 1)
    field.data.seek(0)
    if not data:
        return
    if len(data) > MAX_PHOTO_BYTES:
        raise ValidationError(_l("Foto terlalu besar: paling besar 100 KB."))
    if photo_type(data) is None:
        raise ValidationError(_l("Foto harus JPEG, PNG atau WebP."))


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
