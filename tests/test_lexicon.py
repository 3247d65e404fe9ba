"""The converter's reference data as the lexicon loads it: cities from ontology/reference/cities.tsv."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg import paths
from kg.errors import OntologyLoadError
from kg.lexicon import CITIES_FILE, City, _load_cities, fold, load_lexicon


def test_every_capital_is_a_capital_city() -> None:
    lexicon = load_lexicon()
    for capital in lexicon.capitals.values():
        city = lexicon.cities[fold(capital)]
        # two countries may share a capital's name (Kingston): the city is one of them
        assert fold(lexicon.capitals[city.country]) == fold(capital), capital


def test_cities_file_rows_are_well_formed() -> None:
    codes = set(load_lexicon().capitals) | {"XK"}
    lines = (paths.REFERENCE_DIR / CITIES_FILE).read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t") for line in lines if line and not line.startswith("#")]
    assert len(rows) > 3000
    for name, code, population, names in rows:
        assert code in codes and population.isdigit() and name and names.split("|")


def test_cities_keep_the_most_populous_and_skip_non_names(tmp_path: Path) -> None:
    path = tmp_path / CITIES_FILE
    path.write_text(
        "# comment\nSmallford\tAA\t200000\tSmallford|Bigton\nBigton\tBB\t900000\tBigton|Nowhere|PORT\n",
        encoding="utf-8",
    )
    cities = _load_cities({"CC": "Capitalia"}, frozenset({"Nowhere"}), path)
    assert cities == {
        "smallford": City("Smallford", "AA", 200000),
        "bigton": City("Bigton", "BB", 900000),
        "capitalia": City("Capitalia", "CC", 0),
    }


@pytest.mark.parametrize(
    "row", ["Town\tAA\tmany\tTown", "Town\tAA"], ids=["population-not-a-number", "missing-columns"]
)
def test_bad_cities_row_names_file_and_line(tmp_path: Path, row: str) -> None:
    path = tmp_path / CITIES_FILE
    path.write_text(f"# header\n{row}\n", encoding="utf-8")
    with pytest.raises(OntologyLoadError) as caught:
        _load_cities({}, frozenset(), path)
    assert f"{CITIES_FILE}:2" in str(caught.value)
    assert "scripts/build_reference.py" in str(caught.value)
