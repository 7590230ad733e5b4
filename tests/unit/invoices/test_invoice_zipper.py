import io
import unicodedata
import zipfile

from hypothesis import given, settings
from hypothesis import strategies as st

from creditpilot.invoices.zipper import write_zip


class NonSeekableStream(io.RawIOBase):
    """Like an S3 multipart upload: bytes go out in order and can never be revisited."""

    def __init__(self):
        self.chunks = []

    def writable(self):
        return True

    def seekable(self):
        return False

    def tell(self):
        raise OSError("not seekable")

    def seek(self, *args):
        raise OSError("not seekable")

    def write(self, data):
        self.chunks.append(bytes(data))
        return len(data)

    def getvalue(self):
        return b"".join(self.chunks)


HOSTILE = [
    "../../etc/passwd",
    "/etc/shadow",
    "CON",
    "con.pdf",
    "a\x00b\x1f.pdf",
    "😀.pdf",
    "发票 吉隆坡.pdf",
    "x.pdf",
    "X.pdf",
    "x.pdf",
    "..",
    "C:\\Windows\\win.ini",
]


def test_zip_written_to_a_non_seekable_stream_reads_back_intact():
    stream = NonSeekableStream()
    contents = {name: f"%PDF-1.4 {index}".encode() * 50 for index, name in enumerate(HOSTILE)}
    names = write_zip(((name, lambda data=data: data) for name, data in contents.items()), stream)
    with zipfile.ZipFile(io.BytesIO(stream.getvalue())) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == names
        assert archive.read(names[0]) == contents[HOSTILE[0]]


def test_hostile_names_are_sanitised_and_made_unique():
    names = write_zip([(name, b"%PDF") for name in HOSTILE], io.BytesIO())
    assert names[:7] == [
        "etc_passwd",
        "etc_shadow",
        "_CON",
        "_con.pdf",
        "ab.pdf",
        "file.pdf",
        "发票-吉隆坡.pdf",
    ]
    assert names[7:10] == ["x.pdf", "X (2).pdf", "x (3).pdf"]
    assert len({name.casefold() for name in names}) == len(names)


def test_bytes_and_callables_can_be_mixed_and_callables_run_in_order():
    produced = []

    def pdf(n):
        def make():
            produced.append(n)
            return b"%PDF" + bytes([n])

        return make

    stream = io.BytesIO()
    write_zip([("a.pdf", pdf(1)), ("b.pdf", b"%PDF"), ("c.pdf", pdf(2))], stream)
    assert produced == [1, 2]
    assert zipfile.ZipFile(stream).read("c.pdf") == b"%PDF\x02"


@settings(max_examples=50)
@given(st.lists(st.text(max_size=40), max_size=15))
def test_any_names_give_unique_safe_entries(raw_names):
    stream = io.BytesIO()
    names = write_zip([(name, b"x") for name in raw_names], stream)
    assert len({name.casefold() for name in names}) == len(raw_names)
    for name in names:
        assert name and "/" not in name and "\\" not in name
        assert not any(unicodedata.category(char) == "Cc" for char in name)
    assert zipfile.ZipFile(stream).testzip() is None
