"""Offline language detection by stoplist hits."""

from cleaners.language import detect_language, stoplist


def test_detects_common_languages() -> None:
    assert (
        detect_language("The dog did not go to the city with the car, and it will not come.")
        == "en"
    )
    assert (
        detect_language(
            "Der Hund ist nicht mit dem Auto in die Stadt gefahren, und er wird nicht kommen."
        )
        == "de"
    )
    assert (
        detect_language("Le chien n'est pas allé en ville avec la voiture, et il ne viendra pas.")
        == "fr"
    )


def test_unsure_is_none() -> None:
    assert detect_language("") is None
    assert detect_language("12345 67890") is None


def test_stoplist_is_loaded_from_package_data() -> None:
    assert "the" in stoplist("en")
    assert stoplist("xx") == frozenset()
