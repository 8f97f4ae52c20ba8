# lit suite for the examples (plugins and their tests): the configuration of test/lit, rooted here.
import os
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
lit_config.load_config(config, os.path.join(here, "..", "test", "lit", "lit.cfg.py"))
config.name = "convc-examples"
config.test_source_root = here
config.test_exec_root = os.path.join(tempfile.gettempdir(), "convc-lit-examples")
config.excludes = ["lit.cfg.py", "annotations"]
