"""HTTP API of the expense tracker."""
import re

from flask import Flask, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from expenses.db import init_db, make_engine
from expenses.models import Expense
from expenses.parsing import CsvFormatError, normalize_category, parse_amount, parse_date, parse_expenses_csv
from expenses.reports import _month_bounds, monthly_report

_MONTH = re.compile(r"(\d{4})-(\d{2})")


class BadRequest(Exception):
    pass


def _month(raw):
    match = _MONTH.fullmatch(raw or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise BadRequest("month must look like YYYY-MM")
    return int(match.group(1)), int(match.group(2))


def expense_json(expense):
    return {
        "id": expense.id,
        "date": expense.spent_on.isoformat(),
        "amount_cents": expense.amount_cents,
        "category": expense.category,
        "description": expense.description,
    }


def create_app(database_url):
    engine = make_engine(database_url)
    init_db(engine)
    app = Flask(__name__)

    @app.errorhandler(BadRequest)
    def bad_request(error):
        return jsonify({"error": str(error)}), 400

    @app.post("/expenses")
    def create_expense():
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise BadRequest("expected a JSON object")
        description = data.get("description", "")
        try:
            if not isinstance(description, str):
                raise ValueError("description must be a string")
            expense = Expense(
                spent_on=parse_date(data.get("date")),
                amount_cents=parse_amount(data.get("amount")),
                category=normalize_category(data.get("category")),
                description=description.strip(),
            )
        except ValueError as error:
            raise BadRequest(str(error)) from None
        with Session(engine) as session:
            session.add(expense)
            session.commit()
            return jsonify(expense_json(expense)), 201

    @app.get("/expenses")
    def list_expenses():
        query = select(Expense).order_by(Expense.spent_on, Expense.id)
        if request.args.get("month") is not None:
            start, end = _month_bounds(*_month(request.args["month"]))
            query = query.where(Expense.spent_on >= start, Expense.spent_on < end)
        if request.args.get("category"):
            try:
                query = query.where(Expense.category == normalize_category(request.args["category"]))
            except ValueError as error:
                raise BadRequest(str(error)) from None
        with Session(engine) as session:
            return jsonify([expense_json(e) for e in session.execute(query).scalars()])

    @app.delete("/expenses/<int:expense_id>")
    def delete_expense(expense_id):
        with Session(engine) as session:
            expense = session.get(Expense, expense_id)
            if expense is None:
                return jsonify({"error": "expense not found"}), 404
            session.delete(expense)
            session.commit()
            return "", 204

    @app.post("/expenses/import")
    def import_expenses():
        try:
            rows = parse_expenses_csv(request.get_data(as_text=True))
        except CsvFormatError as error:
            return jsonify({"error": str(error), "line": error.line}), 400
        with Session(engine) as session:
            session.add_all([Expense(**row) for row in rows])
            session.commit()
        return jsonify({"imported": len(rows)}), 201

    @app.get("/reports/monthly")
    def report():
        year, month = _month(request.args.get("month"))
        with Session(engine) as session:
            return jsonify(monthly_report(session, year, month))

    return app


def test_api():
    client = create_app("sqlite://").test_client()
    assert client.post("/expenses", json={"date": "2024-03-01", "amount": "2.5", "category": "Food"}).status_code == 201
    imported = client.post("/expenses/import", data="date,amount,category\n2024-03-02,1,food\n", content_type="text/csv")
    assert imported.get_json() == {"imported": 1}
    assert client.get("/reports/monthly?month=2024-03").get_json()["total_cents"] == 350
    bad = client.post("/expenses/import", data="date,amount,category\n2024-03-02,x,food\n", content_type="text/csv")
    assert bad.status_code == 400 and bad.get_json()["line"] == 2
    assert client.get("/reports/monthly?month=2024-13").status_code == 400
