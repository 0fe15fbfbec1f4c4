//! The standard library's top-level module names: all of them, as one
//! sorted table (the import sorter's standard-library section), and the few
//! whose import the settings evaluator takes as certain to succeed.
//!
//! A table and a look-up: no syntax, no workspace, no I/O.

/// The standard library's top-level modules (`sys.stdlib_module_names`,
/// sorted): isort's standard-library section.
#[rustfmt::skip]
const STANDARD_LIBRARY: &[&str] = &[
    "__future__", "_abc", "_aix_support", "_ast", "_asyncio", "_bisect", "_blake2", "_bootsubprocess", "_bz2",
    "_codecs", "_codecs_cn", "_codecs_hk", "_codecs_iso2022", "_codecs_jp", "_codecs_kr", "_codecs_tw",
    "_collections", "_collections_abc", "_compat_pickle", "_compression", "_contextvars", "_crypt", "_csv",
    "_ctypes", "_curses", "_curses_panel", "_datetime", "_dbm", "_decimal", "_elementtree", "_frozen_importlib",
    "_frozen_importlib_external", "_functools", "_gdbm", "_hashlib", "_heapq", "_imp", "_io", "_json", "_locale",
    "_lsprof", "_lzma", "_markupbase", "_md5", "_msi", "_multibytecodec", "_multiprocessing", "_opcode", "_operator",
    "_osx_support", "_overlapped", "_pickle", "_posixshmem", "_posixsubprocess", "_py_abc", "_pydecimal", "_pyio",
    "_queue", "_random", "_scproxy", "_sha1", "_sha256", "_sha3", "_sha512", "_signal", "_sitebuiltins", "_socket",
    "_sqlite3", "_sre", "_ssl", "_stat", "_statistics", "_string", "_strptime", "_struct", "_symtable", "_thread",
    "_threading_local", "_tkinter", "_tokenize", "_tracemalloc", "_typing", "_uuid", "_warnings", "_weakref",
    "_weakrefset", "_winapi", "_zoneinfo", "abc", "aifc", "antigravity", "argparse", "array", "ast", "asynchat",
    "asyncio", "asyncore", "atexit", "audioop", "base64", "bdb", "binascii", "bisect", "builtins", "bz2", "cProfile",
    "calendar", "cgi", "cgitb", "chunk", "cmath", "cmd", "code", "codecs", "codeop", "collections", "colorsys",
    "compileall", "concurrent", "configparser", "contextlib", "contextvars", "copy", "copyreg", "crypt", "csv",
    "ctypes", "curses", "dataclasses", "datetime", "dbm", "decimal", "difflib", "dis", "distutils", "doctest",
    "email", "encodings", "ensurepip", "enum", "errno", "faulthandler", "fcntl", "filecmp", "fileinput", "fnmatch",
    "fractions", "ftplib", "functools", "gc", "genericpath", "getopt", "getpass", "gettext", "glob", "graphlib",
    "grp", "gzip", "hashlib", "heapq", "hmac", "html", "http", "idlelib", "imaplib", "imghdr", "imp", "importlib",
    "inspect", "io", "ipaddress", "itertools", "json", "keyword", "lib2to3", "linecache", "locale", "logging",
    "lzma", "mailbox", "mailcap", "marshal", "math", "mimetypes", "mmap", "modulefinder", "msilib", "msvcrt",
    "multiprocessing", "netrc", "nis", "nntplib", "nt", "ntpath", "nturl2path", "numbers", "opcode", "operator",
    "optparse", "os", "ossaudiodev", "pathlib", "pdb", "pickle", "pickletools", "pipes", "pkgutil", "platform",
    "plistlib", "poplib", "posix", "posixpath", "pprint", "profile", "pstats", "pty", "pwd", "py_compile", "pyclbr",
    "pydoc", "pydoc_data", "pyexpat", "queue", "quopri", "random", "re", "readline", "reprlib", "resource",
    "rlcompleter", "runpy", "sched", "secrets", "select", "selectors", "shelve", "shlex", "shutil", "signal", "site",
    "smtpd", "smtplib", "sndhdr", "socket", "socketserver", "spwd", "sqlite3", "sre_compile", "sre_constants",
    "sre_parse", "ssl", "stat", "statistics", "string", "stringprep", "struct", "subprocess", "sunau", "symtable",
    "sys", "sysconfig", "syslog", "tabnanny", "tarfile", "telnetlib", "tempfile", "termios", "textwrap", "this",
    "threading", "time", "timeit", "tkinter", "token", "tokenize", "tomllib", "trace", "traceback", "tracemalloc",
    "tty", "turtle", "turtledemo", "types", "typing", "unicodedata", "unittest", "urllib", "uu", "uuid", "venv",
    "warnings", "wave", "weakref", "webbrowser", "winreg", "winsound", "wsgiref", "xdrlib", "xml", "xmlrpc",
    "zipapp", "zipfile", "zipimport", "zlib", "zoneinfo",
];

/// Whether `top` (a top-level module name: `os`, not `os.path`) is in the
/// standard library.
pub fn is_standard_library(top: &str) -> bool {
    STANDARD_LIBRARY.binary_search(&top).is_ok()
}

/// Modules that are always importable (a `try: import os` never fails): the
/// ones settings modules use, not the whole standard library (`sqlite3`,
/// `tomllib` and the platform modules may be missing from an interpreter).
const ALWAYS_IMPORTABLE: [&str; 24] = [
    "os",
    "sys",
    "pathlib",
    "json",
    "logging",
    "socket",
    "re",
    "datetime",
    "warnings",
    "typing",
    "ast",
    "importlib",
    "platform",
    "tempfile",
    "urllib",
    "base64",
    "secrets",
    "collections",
    "functools",
    "itertools",
    "copy",
    "contextlib",
    "string",
    "__future__",
];

/// Whether importing the top-level module `top` cannot fail.
pub fn always_importable(top: &str) -> bool {
    ALWAYS_IMPORTABLE.contains(&top)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_library_is_sorted_for_binary_search() {
        assert!(STANDARD_LIBRARY.windows(2).all(|w| w[0] < w[1]));
        assert!(STANDARD_LIBRARY.binary_search(&"asyncio").is_ok());
        assert!(STANDARD_LIBRARY.binary_search(&"asgiref").is_err());
    }

    #[test]
    fn what_is_always_importable_is_in_the_standard_library() {
        assert!(ALWAYS_IMPORTABLE.iter().all(|m| is_standard_library(m)));
        assert!(always_importable("os") && !always_importable("sqlite3") && !always_importable("environ"));
    }
}
