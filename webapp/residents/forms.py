from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from ..web.forms import Form


class ResidentForm(Form):
    name = StringField(_l("Nama"), validators=[DataRequired(), Length(max=120)])
    phone = StringField(_l("Nomor HP"), validators=[DataRequired(), Length(max=40)])
    desa = SelectField(_l("Desa"), validators=[DataRequired()])


class ImportForm(Form):
    file = FileField(_l("Berkas CSV (nama, nomor HP, desa)"), validators=[FileRequired(_l("Pilih berkas CSV."))])


class RemoveForm(Form):
    """Only the CSRF token: removing a resident is a POST."""
