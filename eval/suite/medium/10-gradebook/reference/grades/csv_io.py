"""CSV import and export for the gradebook."""
import csv

from grades.gradebook import Gradebook


def load_scores(path):
    book = Gradebook()
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        for line_number, row in enumerate(reader, start=2):
            try:
                score = float(row["score"])
                if score.is_integer():
                    score = int(score)
                book.add_score(row["student"].strip(), row["assignment"].strip(), score)
            except (ValueError, TypeError, KeyError, AttributeError) as error:
                raise ValueError(f"line {line_number}: {error}") from None
    return book


def export_report(gradebook, path):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "average", "letter"])
        for student, average in gradebook.ranking():
            writer.writerow([student, f"{average:.1f}", gradebook.letter(student)])


def test_round_trip(tmp_path):
    import pytest

    source = tmp_path / "in.csv"
    source.write_text("student,assignment,score\na,q,80\na,e,95\n")
    book = load_scores(source)
    out = tmp_path / "out.csv"
    export_report(book, out)
    assert out.read_text().splitlines() == ["student,average,letter", "a,87.5,B"]
    source.write_text("student,assignment,score\na,q,x\n")
    with pytest.raises(ValueError, match="line 2"):
        load_scores(source)
