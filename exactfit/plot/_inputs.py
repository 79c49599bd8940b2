"""Input checks shared by the Display constructors."""


def check_report(report, attribute, expected, name="report"):
    """Refuse, naming `name`, an object that lacks what a Display reads from it.

    Duck-typed on `attribute` (a report loaded or built elsewhere works) so that None or a
    wrong object gives a TypeError that says what was expected instead of an
    AttributeError from inside the plotting code.
    """
    if report is None or not hasattr(report, attribute):
        raise TypeError(f"{name} must be {expected}; got {type(report).__name__}.")
    return report
