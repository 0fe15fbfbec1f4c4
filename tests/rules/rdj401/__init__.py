"""More RDJ401 cases: page modules, rxconfig.py, and modules Reflex does not
import at start-up."""
