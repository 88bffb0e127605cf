"""Every file kind the command line imports can be uploaded in the browser, by name."""

from greenchain.domain.records import SCHEMAS
from greenchain.entrypoints.web.ui import UPLOAD_KINDS


def test_the_upload_page_offers_every_import_kind():
    assert set(UPLOAD_KINDS) == set(SCHEMAS)
