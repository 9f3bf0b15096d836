"""The API never writes models directly (issue 14): every write goes through an app's
services, so allocation, stock, numbering, tenancy and roles are the web pages' rules.

A scan of the syntax of every module of ``api/`` but ``api/services.py`` (the api app's
own writes: its token and Idempotency-Key tables) and the migrations. It flags the calls
that write rows, whatever they are called on (``.save(``, ``.delete(``, ``.update(``,
``.create(``, ``bulk_create``/``bulk_update``, ``get_or_create``/``update_or_create``), and
the DRF classes that write through a serializer (``CreateModelMixin``, ``UpdateModelMixin``,
``DestroyModelMixin``, ``ModelViewSet``). It cannot tell a queryset from a dict: merge
dicts with ``|=`` in these modules.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
API = ROOT / "api"
ALLOWED = {API / "services.py"}
WRITE_CALLS = frozenset(
    {"save", "delete", "update", "create", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
)
WRITING_BASES = frozenset({"CreateModelMixin", "UpdateModelMixin", "DestroyModelMixin", "ModelViewSet"})


def direct_writes(source: str, filename: str) -> list[str]:
    """``"file:line: what"`` for every call that writes rows and every writing DRF base class."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITE_CALLS:
            found.append(f"{filename}:{node.lineno}: {ast.unparse(node.func)}(…) writes directly")
        elif isinstance(node, ast.ClassDef):
            for base in node.bases:
                name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")
                if name in WRITING_BASES:
                    found.append(f"{filename}:{node.lineno}: class {node.name} writes through DRF's {name}")
    return found


def api_modules() -> list[Path]:
    return [path for path in sorted(API.rglob("*.py")) if path not in ALLOWED and "migrations" not in path.parts]


def test_the_api_writes_only_through_services():
    modules = api_modules()
    assert API / "views" / "customers.py" in modules and API / "serializers" / "ledger.py" in modules
    findings = [
        finding
        for path in modules
        for finding in direct_writes(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert not findings, "call a service instead:\n" + "\n".join(findings)


@pytest.mark.parametrize(
    "snippet",
    [
        "customer.save()",
        "Due.objects.filter(shop=shop).update(amount=1)",
        "Customer.objects.create(shop=shop, name='x')",
        "Product.objects.bulk_create(rows)",
        "serializer.save(shop=shop)",
        "self.get_object().delete()",
        "class V(mixins.CreateModelMixin, ShopViewSet):\n    pass",
        "class V(ModelViewSet):\n    pass",
    ],
)
def test_the_scan_sees_direct_writes(snippet):
    assert direct_writes(snippet, "api/views/x.py")[0].startswith("api/views/x.py:1: ")


def test_the_scan_passes_service_calls():
    assert direct_writes("services.customer_update(customer=c, name='x')\nbody |= extra", "api/views/x.py") == []
