"""An aggregate that other writers keep winning (a busy register, a raced batch) is a 503 to retry,
never a 500."""

from __future__ import annotations

from litestar import Litestar, get
from litestar.testing import TestClient

from application.errors import Conflict
from entrypoints.http.problems import problem_response


@get("/busy", sync_to_thread=False)
def busy() -> None:
    raise Conflict("the Fineract tenant register is too busy; try again")


def test_a_conflict_that_outlasted_its_retries_is_a_503_with_retry_after() -> None:
    app = Litestar([busy], exception_handlers={Exception: problem_response}, logging_config=None)
    with TestClient(app) as client:
        answer = client.get("/busy")
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "1"
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert answer.json()["detail"] == "the Fineract tenant register is too busy; try again"
