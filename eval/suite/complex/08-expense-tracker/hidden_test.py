from datetime import date

import pytest
from sqlalchemy.orm import Session

from expenses.api import create_app
from expenses.db import init_db, make_engine
from expenses.models import Expense
from expenses.parsing import CsvFormatError, normalize_category, parse_amount, parse_expenses_csv
from expenses.reports import monthly_report, top_categories


@pytest.mark.parametrize("value,cents", [("12", 1200), ("12.5", 1250), ("0.99", 99), (3.99, 399), (7, 700), (" 4.20 ", 420)])
def test_parse_amount(value, cents):
    assert parse_amount(value) == cents


@pytest.mark.parametrize("value", ["0", "-5", "1.234", "abc", "", "12,50", 0, -1.5, True])
def test_parse_amount_invalid(value):
    with pytest.raises(ValueError):
        parse_amount(value)


def test_normalize_category():
    assert normalize_category("  Groceries ") == "groceries"
    with pytest.raises(ValueError):
        normalize_category("   ")


def test_parse_csv():
    text = "date,amount,category,description\n2024-03-01,12.50,Food,Lunch\n2024-03-02,3,transport,\n"
    rows = parse_expenses_csv(text)
    assert rows == [
        {"spent_on": date(2024, 3, 1), "amount_cents": 1250, "category": "food", "description": "Lunch"},
        {"spent_on": date(2024, 3, 2), "amount_cents": 300, "category": "transport", "description": ""},
    ]
    assert parse_expenses_csv("date,amount,category\n2024-01-01,1,misc\n")[0]["description"] == ""


def test_parse_csv_errors():
    text = "date,amount,category,description\n2024-03-01,12.50,food,ok\n2024-03-02,abc,food,bad\n"
    with pytest.raises(CsvFormatError, match="line 3") as info:
        parse_expenses_csv(text)
    assert info.value.line == 3
    assert isinstance(info.value, ValueError)
    with pytest.raises(CsvFormatError) as info:
        parse_expenses_csv("date,category\n2024-03-01,food\n")
    assert info.value.line == 1
    with pytest.raises(CsvFormatError) as info:
        parse_expenses_csv("date,amount,category\n2024-02-30,1,food\n")
    assert info.value.line == 2


@pytest.fixture()
def db_url(tmp_path):
    return "sqlite:///" + str(tmp_path / "expenses.db")


def test_reports_on_session(db_url):
    engine = make_engine(db_url)
    init_db(engine)
    with Session(engine) as session:
        session.add_all(
            [
                Expense(spent_on=date(2024, 3, 1), amount_cents=1000, category="food", description="a"),
                Expense(spent_on=date(2024, 3, 15), amount_cents=500, category="transport"),
                Expense(spent_on=date(2024, 3, 31), amount_cents=250, category="food"),
                Expense(spent_on=date(2024, 3, 20), amount_cents=500, category="books"),
                Expense(spent_on=date(2024, 4, 1), amount_cents=9999, category="food"),
                Expense(spent_on=date(2023, 3, 5), amount_cents=7777, category="food"),
            ]
        )
        session.commit()
        assert session.get(Expense, 2).description == ""
        report = monthly_report(session, 2024, 3)
        assert report == {"month": "2024-03", "count": 4, "total_cents": 2250, "by_category": {"food": 1250, "transport": 500, "books": 500}}
        assert top_categories(session, 2024, 3) == [("food", 1250), ("books", 500), ("transport", 500)]
        assert top_categories(session, 2024, 3, n=1) == [("food", 1250)]
        assert monthly_report(session, 2024, 5) == {"month": "2024-05", "count": 0, "total_cents": 0, "by_category": {}}
    engine.dispose()


@pytest.fixture()
def client(db_url):
    app = create_app(db_url)
    app.config["TESTING"] = True
    return app.test_client()


def add(client, **fields):
    payload = {"date": "2024-03-10", "amount": "10.00", "category": "food"}
    payload.update(fields)
    return client.post("/expenses", json=payload)


def test_create_expense(client):
    response = add(client, amount="12.34", category=" Food ", description="Pizza")
    assert response.status_code == 201
    body = response.get_json()
    assert body["date"] == "2024-03-10" and body["amount_cents"] == 1234
    assert body["category"] == "food" and body["description"] == "Pizza"
    assert isinstance(body["id"], int)
    assert add(client, amount=5).get_json()["description"] == ""


@pytest.mark.parametrize(
    "fields",
    [{"amount": "-1"}, {"amount": "1.999"}, {"date": "2024-13-01"}, {"date": "yesterday"}, {"category": ""}, {"description": 5}],
)
def test_create_expense_invalid(client, fields):
    response = add(client, **fields)
    assert response.status_code == 400
    assert "error" in response.get_json()


def test_list_and_filters(client):
    add(client, date="2024-03-20", category="transport")
    add(client, date="2024-03-05")
    add(client, date="2024-04-01")
    add(client, date="2024-03-05", category="books")
    everything = client.get("/expenses").get_json()
    assert [e["date"] for e in everything] == ["2024-03-05", "2024-03-05", "2024-03-20", "2024-04-01"]
    assert [e["category"] for e in everything[:2]] == ["food", "books"]
    march = client.get("/expenses?month=2024-03").get_json()
    assert len(march) == 3
    food = client.get("/expenses?month=2024-03&category=FOOD").get_json()
    assert [(e["date"], e["category"]) for e in food] == [("2024-03-05", "food")]
    assert client.get("/expenses?month=2024-3x").status_code == 400


def test_delete(client):
    expense = add(client).get_json()
    assert client.delete(f"/expenses/{expense['id']}").status_code == 204
    assert client.delete(f"/expenses/{expense['id']}").status_code == 404
    assert client.get("/expenses").get_json() == []


def test_import_csv(client):
    text = "date,amount,category,description\n2024-03-01,12.50,Food,Lunch\n2024-03-02,3,transport,Bus\n"
    response = client.post("/expenses/import", data=text, content_type="text/csv")
    assert response.status_code == 201
    assert response.get_json() == {"imported": 2}
    assert len(client.get("/expenses?month=2024-03").get_json()) == 2


def test_import_is_all_or_nothing(client):
    text = "date,amount,category,description\n2024-03-01,12.50,food,ok\n2024-03-02,1,food,ok\n2024-03-03,zero,food,bad\n"
    response = client.post("/expenses/import", data=text, content_type="text/csv")
    assert response.status_code == 400
    body = response.get_json()
    assert body["line"] == 4 and "error" in body
    assert client.get("/expenses").get_json() == []


def test_monthly_report_endpoint(client):
    add(client, date="2024-03-01", amount="10", category="food")
    add(client, date="2024-03-02", amount="2.50", category="food")
    add(client, date="2024-03-03", amount="4", category="fun")
    add(client, date="2024-02-28", amount="100", category="food")
    response = client.get("/reports/monthly?month=2024-03")
    assert response.status_code == 200
    assert response.get_json() == {"month": "2024-03", "count": 3, "total_cents": 1650, "by_category": {"food": 1250, "fun": 400}}
    assert client.get("/reports/monthly").status_code == 400
    assert client.get("/reports/monthly?month=March").status_code == 400


def test_persists_across_apps(db_url):
    first = create_app(db_url).test_client()
    assert add(first).status_code == 201
    second = create_app(db_url).test_client()
    assert len(second.get("/expenses").get_json()) == 1
