"""What the tampering scan (`grader.batch.tampering`) looks for: names, modules, attributes and
paths that honest solutions of this course never need, each mapped to the rule it breaks."""

from __future__ import annotations

import functools
import os
import re

PUBLIC_GRADER_NAMES = frozenset(
    {
        "check_normalize_token",
        "check_pad_sentences",
        "check_embedding_layer",
        "check_build_layers",
        "check_compute_loss",
        "check_embedding_training",
        "Report",
        "CheckItem",
    }
)
MACHINERY_MODULES = {
    "ctypes": "native-code",
    "cffi": "native-code",
    "gc": "frames-and-gc",
    "inspect": "frames-and-gc",
    "threading": "threads-or-processes",
    "_thread": "threads-or-processes",
    "multiprocessing": "threads-or-processes",
    "subprocess": "threads-or-processes",
    "concurrent": "threads-or-processes",
    "signal": "threads-or-processes",
    "pty": "threads-or-processes",
    "importlib": "import-machinery",
    "builtins": "builtins-patching",
    "runpy": "import-machinery",
    "zmq": "grader-internals",
    "pickle": "dynamic-code",
    "marshal": "dynamic-code",
    "dill": "dynamic-code",
    "cloudpickle": "dynamic-code",
    "atexit": "threads-or-processes",
    "glob": "files-outside",
    "shutil": "files-outside",
    "jupyter_client": "grader-internals",
    "ipykernel": "grader-internals",
    # Found by the second red team (each resolves or runs code, or reaches frames, by name):
    "IPython": "grader-internals",
    "pkgutil": "import-machinery",
    "pydoc": "import-machinery",
    "unittest": "module-patching",
    "code": "dynamic-code",
    "codeop": "dynamic-code",
    "timeit": "dynamic-code",
    "traceback": "frames-and-gc",
    "socket": "threads-or-processes",
    "asyncio": "threads-or-processes",
    # Found by the fifth red team:
    "site": "builtins-patching",  # site.builtins.exec(...)
    "weakref": "threads-or-processes",  # finalizer callbacks run whenever memory is collected
    "linecache": "grader-internals",  # the source of every cell run, the grader's own included
    # Found attacking the seventh red team's findings: each loads or runs code, or watches
    # every call, by a way of its own.
    "zipimport": "import-machinery",
    "imp": "import-machinery",
    "doctest": "dynamic-code",
    "rlcompleter": "dynamic-code",
    "shelve": "dynamic-code",
    "copyreg": "dynamic-code",
    "pdb": "audit-hooks",
    "bdb": "audit-hooks",
    "trace": "audit-hooks",
    "cProfile": "audit-hooks",
    "profile": "audit-hooks",
    "tracemalloc": "frames-and-gc",
    "faulthandler": "frames-and-gc",
    "codecs": "dynamic-code",  # codecs.register: a search function run at any text's decoding
    "joblib": "dynamic-code",  # joblib.load unpickles
}
STAR_IMPORTS = frozenset({"math"})
"""Modules `from x import *` may take names from: a star import from any other module hands
out names no scan can tell (`from sys import *` gives `modules` and `setprofile`, `from
operator import *` gives `attrgetter`, `typing` gives `get_type_hints`, `numpy` gives
`ctypeslib`, `keras.layers` gives `deserialize`, the course's `bilstm_ner.progress` gives
`importlib`, whose private parts then go unseen)."""
SUBMODULES = {
    "logging.config": "import-machinery",  # its configurators resolve any dotted name
    "keras.src": "import-machinery",  # Keras's internals: python_utils.func_load runs bytecode
    "tensorflow.python": "import-machinery",  # TF's internals: tf_inspect.stack() reads frames
    "tensorflow.compiler": "import-machinery",
    "tensorflow.core": "import-machinery",
    "tensorflow.keras.src": "import-machinery",
    "tf_keras.src": "import-machinery",
    "numpy.lib.format": "dynamic-code",  # read_array(f, True) unpickles, by position
    "numpy.f2py": "native-code",
}
"""Submodules of modules honest notebooks use that load or resolve code: flagged however
they are reached (`import logging.config`, `from logging import config`, `logging.config`)."""
PICKLE_LOADERS = {"load": 3, "read_array": 2, "from_config": 3, "load_model": 4}
"""Loaders and how many positional arguments reach their unsafe switch: `np.load(f, None,
True)` unpickles as `allow_pickle=True` does, `Lambda.from_config(config, None, False)` and
`keras.models.load_model(path, None, True, False)` run a saved lambda's bytecode as
`safe_mode=False` does."""
LISTED_MODULES = frozenset(
    {"bilstm_ner", "numpy", "tensorflow", "keras", "tf_keras", "matplotlib", "mpl_toolkits"}
    | {"scipy", "sklearn", "seqeval", "pandas", "seaborn", "PIL", "tqdm", "ipywidgets"}
    | {"abc", "array", "base64", "bisect", "collections", "contextlib", "copy", "csv"}
    | {"dataclasses", "datetime", "decimal", "difflib", "enum", "fractions", "functools"}
    | {"gzip", "hashlib", "heapq", "html", "io", "itertools", "json", "logging", "math"}
    | {"numbers", "operator", "os", "pathlib", "pprint", "random", "re", "secrets"}
    | {"statistics", "string", "struct", "sys", "tarfile", "tempfile", "textwrap", "time"}
    | {"types", "typing", "typing_extensions", "unicodedata", "urllib", "uuid", "warnings"}
    | {"zipfile", "__future__", "ast", "platform", "zlib", "calendar", "locale", "h5py", "mmap"}
)
"""The modules an honest notebook of this course may import (besides `grader`'s public
checks and `IPython.display`), each still under the rules below. Anything else the kernel's
environment holds is flagged: a red team ran code through `yaml.unsafe_load`, `mako`
templates and jinja2 ones, none of which a deny-list knew."""
HARMLESS_MODULES = frozenset({"IPython.display", "IPython.core.display"})
"""Submodules of a flagged package that honest notebooks use (`display`, `Markdown`)."""
HARMLESS_MEMBERS = {
    "traceback": frozenset(
        {"print_exc", "format_exc", "print_exception", "format_exception", "format_exception_only"}
    ),
}
"""Functions of a flagged module that honest notebooks call (`traceback.print_exc()` shows an
error's traceback and returns nothing of its frames): the module may be imported for them, and
any other use of it is flagged (`traceback.walk_stack`, `t = traceback`)."""
SYS_ATTRIBUTES = {
    "modules": "import-machinery",
    "meta_path": "import-machinery",
    "path_hooks": "import-machinery",
    "addaudithook": "audit-hooks",
    "settrace": "audit-hooks",
    "setprofile": "audit-hooks",
    "_getframe": "frames-and-gc",
    "path": "import-machinery",
    "excepthook": "audit-hooks",
    "monitoring": "audit-hooks",
    "displayhook": "audit-hooks",
    "last_traceback": "frames-and-gc",
    "last_exc": "frames-and-gc",
    "exc_info": None,
    "stdout": None,
}
OS_CALLS = re.compile(
    r"^(fork|forkpty|system|popen|exec\w*|spawn\w*|posix_spawn\w*|kill\w*|walk|chdir|sep|"
    r"pardir|altsep|fwalk|listdir|scandir|register_at_fork)$"
)
OS_FILE_NAMES = frozenset(
    {"walk", "scandir", "listdir", "chdir", "sep", "pardir", "altsep", "fwalk"}
)
REFLECTION_NAMES = frozenset(
    {
        "attrgetter",
        "methodcaller",
        "CodeType",
        "FunctionType",
        "ModuleType",
        "create_subprocess_exec",
        "create_subprocess_shell",
        "home",
        "Formatter",  # string.Formatter().get_field("0.tb_frame", ...): attributes by name
        "get_field",
        "get_value",
        "enable_unsafe_deserialization",  # keras: a saved Lambda layer's bytecode runs
        "currentframe",  # logging.currentframe(): sys._getframe by another name
        # Each resolves a dotted name given as text, or evaluates text:
        "deserialize_keras_object",  # {"module": "builtins", "config": "eval"}
        "deserialize",
        "get_registered_object",
        "dictConfig",  # logging.config: {"()": "builtins.eval"}
        "fileConfig",
        "get_type_hints",  # string annotations are evaluated
        "singledispatch",
        "singledispatchmethod",
        "ForwardRef",
        "BaseConfigurator",  # logging.config's, reached some other way
        "DictConfigurator",
        "func_load",  # keras: marshalled bytecode
        # inspect's and importlib's functions, which other modules re-export
        # (sklearn.utils.discovery.import_module, tensorflow's tf_inspect):
        "import_module",
        "find_spec",
        "module_from_spec",
        "spec_from_file_location",
        "exec_module",
        "load_module",
        "entry_points",
        "getmembers",
        "getargvalues",
        "getouterframes",
        "getinnerframes",
        "getframeinfo",
        "extract_stack",
        "walk_stack",
        "walk_tb",
        "tf_inspect",
        "tf_stack",
        "__annotations__",  # dataclasses turns its names into source and execs it
        "load_op_library",  # tf: native code from a file the notebook wrote
        "load_library",
    }
)
INLINE_BACKENDS = frozenset(
    {"module://matplotlib_inline.backend_inline", "module://ipympl.backend_nbagg"}
)
"""matplotlib backends named by module that notebooks use (Jupyter's inline and widget ones)."""
FORBIDDEN_NAMES = {
    "get_ipython": "grader-internals",
    "In": "grader-internals",  # IPython's input history: the grader's own cells
    "Out": "grader-internals",
    "_ih": "grader-internals",
    "_oh": "grader-internals",
    "__import__": "dynamic-code",
    "__builtins__": "builtins-patching",
    "__loader__": "import-machinery",
    "__spec__": "import-machinery",
    "globals": "dynamic-code",
    "locals": "dynamic-code",
    "vars": "dynamic-code",
    "breakpoint": "dynamic-code",
    "__annotations__": "dynamic-code",  # a class body's own: dataclasses execs its names
    # Used as values, not only called (`run = exec; run(text)`, `map(eval, texts)`):
    "exec": "dynamic-code",
    "eval": "dynamic-code",
    "compile": "dynamic-code",
}
_PATH = re.compile(r"^(/|~/)[\w.~-]+(/[\w.~-]*)*$|^\.\./")
TOP_LEVEL_FOLDERS = frozenset(
    {"bin", "boot", "dev", "etc", "home", "lib", "lib32", "lib64", "libx32", "media", "mnt"}
    | {"opt", "proc", "root", "run", "sbin", "srv", "sys", "tmp", "usr", "var", "work"}
    | {"autograder", "content", "data", "kaggle", "shared", "workspace"}
)
"""What `/name` alone names as a path: the usual top-level folders and those of graders and
hosted notebooks (Gradescope, Colab, Kaggle), besides any the grading machine has."""


@functools.cache
def _top_level_here() -> frozenset[str]:
    try:
        return frozenset(os.listdir("/"))
    except OSError:
        return frozenset()


def outside_path(text: str) -> bool:
    """Whether a string names a path outside the working copy: `/etc/passwd`, `~/x`, `../x`,
    or `/etc` alone, but not a token such as `/s` (Twitter's sarcasm tag) or `/2`."""
    if not _PATH.match(text):
        return False
    if text.startswith("/") and "/" not in text[1:]:
        return text[1:] in TOP_LEVEL_FOLDERS or text[1:] in _top_level_here()
    return True


FRAME_ATTRIBUTES = frozenset(
    {
        "f_back",
        "f_globals",
        "f_locals",
        "f_builtins",
        "f_code",
        "f_trace",
        "gi_frame",
        "tb_frame",
        "_stack_frame",  # TensorFlow's tf_should_use keeps its caller's frame there
        "__globals__",
        "__builtins__",
        "__code__",
        "__subclasses__",
        "__closure__",
        "__dict__",
        "__self__",
        "__mro__",
        "__bases__",
        "__base__",
        "__getattribute__",
        "__setattr__",
        "__delattr__",
        "__reduce__",
        "__reduce_ex__",
        "__import__",
        "__loader__",
        "__spec__",
        "cr_frame",
        "ag_frame",
        "tb_next",
        "__traceback__",
        "_current_frames",
    }
)
AMBIGUOUS_MODULE_NAMES = frozenset({"code", "glob", "profile", "signal", "trace", "timeit", "site"})
"""Flagged modules whose names are also honest attribute names (`np.trace`, `Path.glob`,
`tf.signal`): reached as attributes, these are not flagged by name."""
ATTRIBUTE_RULES = {
    "sys": "import-machinery",  # os.sys, typing.sys: the sys module by another way
    "input_transformers_post": "grader-internals",
    "input_transformers_cleanup": "grader-internals",
    "ast_transformers": "grader-internals",
    "register_at_fork": "threads-or-processes",
    "run_in_executor": "threads-or-processes",
    "scandir": "files-outside",
    "iterdir": "files-outside",
    "cwd": "files-outside",
    "getcwd": "files-outside",
    "rglob": "files-outside",
    "open_code": "dynamic-code",
    "resolve_name": "import-machinery",
    "locate": "import-machinery",
    # Found by the fifth red team, reached through an alias the scan cannot resolve
    # (`(lambda m: m)(os).fork()`, `site.builtins.exec`, `np.ctypeslib.ctypes.CDLL`):
    "builtins": "builtins-patching",
    "get_ipython": "grader-internals",
    "learner_side": "grader-internals",
    "kernel_probe": "grader-internals",
    "ENTERED": "grader-internals",
    "setprofile": "audit-hooks",
    "settrace": "audit-hooks",
    "addaudithook": "audit-hooks",
    "_getframe": "frames-and-gc",
    "ctypes": "native-code",
    "ctypeslib": "native-code",
    "CDLL": "native-code",
    "PyDLL": "native-code",
    "cdll": "native-code",
    "pydll": "native-code",
    "pythonapi": "native-code",
    "dlopen": "native-code",
    **dict.fromkeys(
        [
            "fork",
            "forkpty",
            "posix_spawn",
            "posix_spawnp",
            "popen",
            "system",
            "execl",
            "execle",
            "execlp",
            "execlpe",
            "execv",
            "execve",
            "execvp",
            "execvpe",
        ],
        "threads-or-processes",
    ),
}
"""Attribute names that honest solutions of this course never use, whatever they hang off."""
ATTRIBUTE_RULES.update(
    {
        name: rule
        for name, rule in MACHINERY_MODULES.items()
        if name not in AMBIGUOUS_MODULE_NAMES and name not in ATTRIBUTE_RULES
    }
)  # a flagged module reached as an allowed one's attribute: gzip.builtins, dataclasses.inspect
ATTRIBUTE_RULES.update(
    {
        "exec": "dynamic-code",  # a module handed back by name: m.exec(text)
        "StrFormatStyle": "dynamic-attribute",  # logging's "{" style by its class
        "load_backend_module": "import-machinery",  # matplotlib: any module, by name
        "backend_registry": "import-machinery",
    }
)
DYNAMIC_CODE = frozenset({"exec", "eval", "compile", "__import__", "globals", "vars"})
RULES = (
    "grader-internals",
    "import-machinery",
    "builtins-patching",
    "audit-hooks",
    "native-code",
    "frames-and-gc",
    "threads-or-processes",
    "dynamic-code",
    "files-outside",
    "module-patching",
    "shell-or-magic",
    "dynamic-attribute",
    "unreadable-cell",
    "unlisted-module",
)
PUBLIC_DUNDERS = frozenset({"__version__", "__name__", "__doc__", "__file__", "__all__"})
"""A module's underscored attributes honest code reads (`np.__version__`)."""
FORMAT_METHODS = frozenset({"format", "format_map", "vformat"})
"""str's methods that read attributes named in their template."""
ATTRIBUTE_BUILTINS = frozenset({"getattr", "setattr", "delattr", "hasattr"})
DANGEROUS_ATTRIBUTES = frozenset(
    {name for name, rule in SYS_ATTRIBUTES.items() if rule}
    | FRAME_ATTRIBUTES
    | set(ATTRIBUTE_RULES)
    | {"setprofile", "settrace", "monitoring"}
    | FORMAT_METHODS
)
"""Attribute names that getattr may not fetch whatever it fetches them from."""
SEPARATORS = frozenset({ord("."), ord("/"), ord("\\"), ord("~")})
"""Character codes `chr` may not be given: paths built a character at a time."""
