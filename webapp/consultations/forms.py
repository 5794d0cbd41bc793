import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from ..web.forms import IDEMPOTENCY_KEY, Form, check_photo


class QuestionForm(Form):
    idempotency_key = HiddenField(default=lambda: uuid.uuid4().hex)
    question = TextAreaField(_l("Pertanyaan"), validators=[DataRequired(_l("Tulis pertanyaan.")), Length(max=2000)])
    photo = FileField(_l("Foto (opsional, paling besar 100 KB)"))

    def validate_idempotency_key(self, field):
        if not IDEMPOTENCY_KEY.match(field.data or ""):
            raise ValidationError(_l("Formulir tidak lengkap. Muat ulang halaman lalu kirim lagi."))

    def validate_photo(self, field):
        check_photo(field)


class AnswerForm(Form):
    text = TextAreaField(_l("Jawaban"), validators=[DataRequired(_l("Tulis jawaban.")), Length(max=2000)])


class ForwardForm(Form):
    agency_id = SelectField(_l("Teruskan ke instansi"), validators=[DataRequired()])
