import csv

import pytest

from grades.csv_io import export_report, load_scores
from grades.gradebook import Gradebook
from grades.stats import letter_grade, mean, median


def test_mean_median():
    assert mean([1, 2, 3, 4]) == pytest.approx(2.5)
    assert median([5, 1, 3]) == 3
    assert median([4, 1, 3, 2]) == pytest.approx(2.5)
    with pytest.raises(ValueError):
        mean([])
    with pytest.raises(ValueError):
        median([])


@pytest.mark.parametrize(
    "score,letter",
    [(100, "A"), (90, "A"), (89.99, "B"), (80, "B"), (79, "C"), (70, "C"), (65, "D"), (60, "D"), (59.5, "F"), (0, "F")],
)
def test_letter_grades(score, letter):
    assert letter_grade(score) == letter


def test_letter_grade_out_of_range():
    with pytest.raises(ValueError):
        letter_grade(101)
    with pytest.raises(ValueError):
        letter_grade(-1)


@pytest.fixture()
def book():
    book = Gradebook()
    book.add_score("bob", "hw1", 80)
    book.add_score("bob", "hw2", 90)
    book.add_score("alice", "hw1", 95)
    book.add_score("alice", "hw2", 75)
    book.add_score("carol", "hw1", 60)
    return book


def test_gradebook_queries(book):
    assert book.students() == ["alice", "bob", "carol"]
    assert book.scores("bob") == {"hw1": 80, "hw2": 90}
    assert book.student_average("bob") == pytest.approx(85)
    assert book.assignment_average("hw1") == pytest.approx(235 / 3)
    assert book.letter("bob") == "B"
    assert book.letter("carol") == "D"


def test_replace_score(book):
    book.add_score("carol", "hw1", 99)
    assert book.scores("carol") == {"hw1": 99}
    assert book.letter("carol") == "A"


def test_ranking_ties_by_name(book):
    assert book.ranking() == [("alice", 85), ("bob", 85), ("carol", 60)]


def test_invalid_scores_and_unknowns(book):
    with pytest.raises(ValueError):
        book.add_score("dave", "hw1", 101)
    with pytest.raises(ValueError):
        book.add_score("dave", "hw1", -5)
    with pytest.raises(KeyError):
        book.student_average("dave")
    with pytest.raises(KeyError):
        book.assignment_average("hw9")
    with pytest.raises(KeyError):
        book.scores("dave")


def test_load_scores(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text("student,assignment,score\nann,quiz,70\nann,exam,90.5\nben,quiz,88\n")
    book = load_scores(path)
    assert isinstance(book, Gradebook)
    assert book.students() == ["ann", "ben"]
    assert book.student_average("ann") == pytest.approx(80.25)


@pytest.mark.parametrize("bad", ["lots", "120", ""])
def test_load_scores_bad_line(tmp_path, bad):
    path = tmp_path / "scores.csv"
    path.write_text(f"student,assignment,score\nann,quiz,70\nben,quiz,80\nann,exam,{bad}\n")
    with pytest.raises(ValueError, match="line 4"):
        load_scores(path)


def test_export_report(tmp_path, book):
    out = tmp_path / "report.csv"
    book.add_score("carol", "hw2", 75)
    export_report(book, out)
    with open(out, newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows == [
        ["student", "average", "letter"],
        ["alice", "85.0", "B"],
        ["bob", "85.0", "B"],
        ["carol", "67.5", "D"],
    ]
