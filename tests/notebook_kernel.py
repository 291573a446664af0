"""Executing a notebook headless in a fresh kernel of this interpreter (the
venv's ipykernel): no kernel has to be installed anywhere, no
``ipython kernel install --user``, and nothing is written outside ``folder``."""
import sys

import nbformat
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient


class ThisPython(KernelSpecManager):
    """Every kernel name means ``sys.executable -m ipykernel_launcher``."""

    def get_kernel_spec(self, kernel_name):
        return KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                          display_name="Python 3", language="python", name=kernel_name)


def execute(nb: nbformat.NotebookNode, folder, monkeypatch, timeout: int = 180) -> nbformat.NotebookNode:
    """Run every cell of nb in place (working directory ``folder``); returns nb."""
    for var in ("JUPYTER_RUNTIME_DIR", "JUPYTER_DATA_DIR", "IPYTHONDIR", "MPLCONFIGDIR"):
        monkeypatch.setenv(var, str(folder / var.lower()))
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    km = KernelManager(kernel_name=nb.metadata.kernelspec.name, kernel_spec_manager=ThisPython())
    NotebookClient(nb, km=km, timeout=timeout, resources={"metadata": {"path": str(folder)}}).execute()
    return nb


def outputs(nb: nbformat.NotebookNode) -> list:
    return [o for cell in nb.cells for o in cell.get("outputs", [])]


def printed(nb: nbformat.NotebookNode) -> list[str]:
    return ["".join(o.get("text", "")) for o in outputs(nb) if o.output_type == "stream"]
