"""Scores per student and assignment."""
from grades.stats import letter_grade, mean


class Gradebook:
    def __init__(self):
        self._scores = {}

    def add_score(self, student, assignment, score):
        if isinstance(score, bool) or not isinstance(score, (int, float)) or not 0 <= score <= 100:
            raise ValueError("score must be a number between 0 and 100")
        self._scores.setdefault(student, {})[assignment] = score

    def students(self):
        return sorted(self._scores)

    def scores(self, student):
        if student not in self._scores:
            raise KeyError(student)
        return dict(self._scores[student])

    def student_average(self, student):
        return mean(self.scores(student).values())

    def assignment_average(self, assignment):
        values = [s[assignment] for s in self._scores.values() if assignment in s]
        if not values:
            raise KeyError(assignment)
        return mean(values)

    def letter(self, student):
        return letter_grade(self.student_average(student))

    def ranking(self):
        averages = [(student, self.student_average(student)) for student in self._scores]
        return sorted(averages, key=lambda item: (-item[1], item[0]))


def test_gradebook():
    book = Gradebook()
    book.add_score("b", "x", 80)
    book.add_score("a", "x", 80)
    book.add_score("a", "x", 90)
    assert book.ranking() == [("a", 90), ("b", 80)]
    assert book.letter("b") == "B"
