"""The grid and the folding of small counts: what keeps a published figure from pointing at one report."""

from __future__ import annotations

from bot.opendata.anonymity import GridCells, cell_of, fold_small


def test_a_point_lies_inside_its_cell_and_the_cell_is_the_same_from_one_run_to_the_next():
    for latitude, longitude in ((25.6573, -100.4024), (19.4326, -99.1332), (-0.0001, 0.0001)):
        key = cell_of(latitude, longitude, 500)
        assert key == cell_of(latitude, longitude, 500)
        grid = GridCells(500, 1)
        grid.add(latitude, longitude, "bache", None)
        west, south, east, north = grid.cells[key].bounds()
        assert west - 1e-5 <= longitude <= east + 1e-5 and south - 1e-5 <= latitude <= north + 1e-5
        assert 440 < (north - south) * 111_320 < 560  # about 500 m a side


def test_cells_with_fewer_reports_than_the_minimum_are_left_out_and_counted_apart():
    grid = GridCells(500, 3)
    for _ in range(3):
        grid.add(25.6573, -100.4024, "bache", "Centro")
    grid.add(25.70, -100.30, "basura", "Mitras")  # alone in its cell
    cells, folded = grid.published()
    assert [(cell.count, cell.colonia()) for cell in cells] == [(3, "Centro")]
    assert folded == 1


def test_small_counts_of_a_place_move_to_the_folded_total_week_by_week():
    kept, folded = fold_small([("Centro", [3, 1, 0]), ("Mitras", [2, 0, 1])], 3, 3)
    assert kept == [("Centro", [3, 0, 0])]
    assert folded == [2, 1, 1]
    assert fold_small([], 2, 3) == ([], [0, 0])
