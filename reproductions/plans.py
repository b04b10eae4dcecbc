"""Which function of each reproduction script lists the arms it runs at a scale, by "<paper>/<table>", for the
checks that walk every declared run (`prunebench paper-check`, the validation test, the new-scale test). It is
`arms` in every script but gRDA Figure 4 (left), whose `training_arms` leave out the arms that follow from their
results; SLR Figure 3 draws Table 4's runs and declares none."""
from __future__ import annotations

import importlib
import sys

from prunebench.declaration import Declaration
from prunebench.reproduce import Arm
from prunebench.scales import Scale

ARM_LISTS = {  # "<paper>/<table>" -> the function of reproductions.<paper>.<table> from (scale, seeds) to its arms
    **{f"slr/{t}": "arms" for t in ("table1", "table2", "table3", "table4", "figure1", "figure4", "figure5", "figure6")},
    **{f"greg/{t}": "arms" for t in ("table1", "table2", "table3", "table4", "table7", "table9", "table10", "figure1",
                                    "figure2")},
    **{f"proxns/{t}": "arms" for t in ("table1", "table2", "figure_scaling_factors")},
    "grda/table_cifar": "arms",
    "grda/figure4_accuracy_sparsity": "training_arms",  # the magnitude arms follow from these runs' results
    "grda/figure4_layerwise": "arms",
    "grda/figure_connectivity": "arms",
}


def declared_arms(name: str, scale: Scale, seeds: tuple[int, ...] | None = None) -> list[Arm]:
    module = importlib.import_module(f"reproductions.{name.replace('/', '.')}")
    return getattr(module, ARM_LISTS[name])(scale, seeds)


def declaration(paper: str, table: str) -> Declaration | None:
    """What `reproductions.<paper>.<table>` declares beside its runs — its docstring's first paragraph (the title), CLAIMS,
    DIFFERENCES — for the core (metadata, verdicts, `prunebench judge`); None if there is no such script."""
    name = f"reproductions.{paper}.{table}"
    main = sys.modules.get("__main__")
    if main is not None and getattr(main.__spec__, "name", None) == name:
        module = main
    else:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name in {f"reproductions.{paper}", name}:
                return None
            raise
    title = " ".join((module.__doc__ or "").strip().split("\n\n")[0].split())  # the first paragraph, whole
    return Declaration(title or f"{paper} {table}", tuple(getattr(module, "CLAIMS", ())),
                       tuple(getattr(module, "DIFFERENCES", ())))
