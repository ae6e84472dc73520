"""The demo's forest fire: its rules, its defaults and what it writes."""

from __future__ import annotations

import os
from typing import Any

import h5py
import numpy as np
import pytest
import yaml

from utopya_backend.cli._forest_fire import (
    EMPTY,
    FIRE,
    TREE,
    BenchmarkedForestFire,
    ForestFire,
)


def make(
    tmp_path: Any,
    cls: type = ForestFire,
    *,
    steps: int = 3,
    write_every: int = 1,
    **params: Any,
) -> Any:
    """A forest fire model writing into ``tmp_path`` (not run yet)."""
    out = str(tmp_path)
    cfg = dict(
        root_model_name="ForestFire",
        output_path=os.path.join(out, "data.h5"),
        output_dir=out,
        seed=7,
        monitor_emit_interval=100.0,
        log_levels=dict(model="warning", backend="warning"),
        num_steps=steps,
        write_every=write_every,
        write_start=0,
    )
    cfg["ForestFire"] = dict(benchmark=dict(show_on_exit=False), **params)
    path = os.path.join(out, "config.yml")
    with open(path, "w") as f:
        yaml.safe_dump(cfg, f)
    return cls(cfg_file_path=path)


def states(*rows: str) -> np.ndarray:
    """A grid from rows of ``.`` (empty), ``T`` (tree) and ``F`` (fire)."""
    code = {".": EMPTY, "T": TREE, "F": FIRE}
    return np.array([[code[c] for c in r] for r in rows], dtype=np.uint8)


def test_the_three_states_are_distinct():
    assert len({EMPTY, TREE, FIRE}) == 3


def test_default_grid_and_initial_density(tmp_path):
    m = make(tmp_path)
    assert m.state.shape == (128, 128)
    assert m.state.dtype == np.uint8
    assert set(np.unique(m.state)) <= {EMPTY, TREE}
    # 30 % trees by default: 16384 cells, the standard deviation of the
    # fraction is 0.0036, so 0.28 .. 0.32 holds for any seed in practice.
    assert 0.28 < m.tree_density < 0.32


@pytest.mark.parametrize("density", [0.0, 1.0])
def test_initial_density_at_its_ends(tmp_path, density):
    m = make(tmp_path, grid=6, initial_density=density)
    assert m.state.shape == (6, 6)
    assert m.tree_density == density
    assert isinstance(m.tree_density, float)


def test_fire_spreads_to_the_four_neighbours_across_the_edges(tmp_path):
    m = make(tmp_path, grid=5, p_growth=0.0, p_lightning=0.0)
    m.state[...] = states("FTTTT", "TTTTT", "TTTTT", "TTTTT", "TTTTT")
    m.perform_step()
    # The fire burns out; its four neighbours on the torus catch fire
    # (through the edges too); diagonal trees do not.
    np.testing.assert_array_equal(
        m.state, states(".FTTF", "FTTTT", "TTTTT", "TTTTT", "FTTTT")
    )
    m.perform_step()
    np.testing.assert_array_equal(
        m.state, states("..FF.", ".FTTF", "FTTTT", "FTTTT", ".FTTF")
    )


def test_fire_does_not_jump_over_empty_cells(tmp_path):
    m = make(tmp_path, grid=5, p_growth=0.0, p_lightning=0.0)
    m.state[...] = states(".....", "..T..", ".TFT.", "..T..", ".....")
    m.perform_step()
    np.testing.assert_array_equal(
        m.state, states(".....", "..F..", ".F.F.", "..F..", ".....")
    )
    m.perform_step()
    np.testing.assert_array_equal(m.state, np.zeros((5, 5), np.uint8))
    m.perform_step()  # nothing left to burn, nothing grows
    np.testing.assert_array_equal(m.state, np.zeros((5, 5), np.uint8))


def test_each_cell_moves_on_when_lightning_and_growth_are_certain(tmp_path):
    m = make(tmp_path, grid=3, p_growth=1.0, p_lightning=1.0)
    m.state[...] = states("T.F", ".FT", "FT.")
    m.perform_step()
    # tree -> fire, empty -> tree, fire -> empty (not straight to a tree)
    np.testing.assert_array_equal(m.state, states("FT.", "T.F", ".FT"))


def test_lightning_alone_ignites_every_tree_and_grows_nothing(tmp_path):
    m = make(tmp_path, grid=4, p_growth=0.0, p_lightning=1.0)
    m.state[...] = states("T.T.", "....", "..T.", "T...")
    m.perform_step()
    np.testing.assert_array_equal(
        m.state, states("F.F.", "....", "..F.", "F...")
    )


def test_growth_alone_fills_empty_cells_without_fire(tmp_path):
    m = make(tmp_path, grid=4, p_growth=1.0, p_lightning=0.0)
    m.state[...] = states("T...", "....", "....", "....")
    m.perform_step()
    np.testing.assert_array_equal(m.state, np.full((4, 4), TREE, np.uint8))
    m.perform_step()  # no lightning: the full forest stays
    np.testing.assert_array_equal(m.state, np.full((4, 4), TREE, np.uint8))


def test_growth_probability_is_a_fraction_of_the_empty_cells(tmp_path):
    m = make(tmp_path, grid=100, p_growth=0.25, initial_density=0.0)
    m.perform_step()
    # 10 000 empty cells, each grows with p = 0.25 (sd of the fraction
    # 0.0043); nothing burns without trees next to a fire.
    assert 0.23 < m.tree_density < 0.27
    assert not (m.state == FIRE).any()


def test_default_probabilities_rarely_strike_and_slowly_grow(tmp_path):
    m = make(tmp_path, grid=100, initial_density=0.0)
    m.perform_step()
    # p_growth = 0.01 by default: about 100 of 10 000 cells grow.
    assert 50 < int((m.state == TREE).sum()) < 150
    m.state[...] = TREE
    m.perform_step()
    # p_lightning = 1e-5: 10 000 trees give 0.1 strikes a step on average.
    assert int((m.state == FIRE).sum()) <= 3


def test_run_writes_density_and_state_at_every_write(tmp_path):
    m = make(tmp_path, steps=4, grid=8, write_every=2)
    m.run()
    final = m.state.copy()
    density = m.tree_density
    del m
    with h5py.File(tmp_path / "data.h5", "r") as f:
        g = f["ForestFire"]
        assert g["state"].shape == (3, 8, 8)
        assert g["state"].dtype == np.uint8
        assert list(g["state"].attrs["dim_names"]) == ["time", "x", "y"]
        # times as start and step: 0, 2, 4
        assert list(g["state"].attrs["coords__time"]) == [0, 2]
        # x and y are the cell indices 0 .. grid - 1 for dantro/utopya
        assert g["state"].attrs["coords_mode__x"] == "trivial"
        assert g["state"].attrs["coords_mode__y"] == "trivial"
        np.testing.assert_array_equal(g["state"][-1], final)
        assert g["tree_density"].dtype == np.float64
        stored = g["tree_density"][:]
        assert stored[-1] == density
        # Each stored density is that of the stored grid.
        for row, d in zip(g["state"][:], stored):
            assert d == np.mean(row == TREE)


def test_monitor_reports_the_tree_density(tmp_path):
    m = make(tmp_path, grid=6, initial_density=1.0)
    info = m.monitor({"other": 1})
    assert info == {"other": 1, "tree_density": 1.0}


def test_benchmarked_forest_fire_stores_its_timers(tmp_path):
    m = make(tmp_path, BenchmarkedForestFire, grid=6, steps=2)
    assert isinstance(m, ForestFire)
    m.run()
    del m
    with h5py.File(tmp_path / "data.h5", "r") as f:
        assert "benchmark" in f["ForestFire"]
        assert f["ForestFire/tree_density"].shape == (3,)
