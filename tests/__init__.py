"""qroi's tests: real git repositories, Radon, SQLite, PostgreSQL, Streamlit and Chromium."""

from qroi.cli.start import one_blas_thread

one_blas_thread()  # as the `qroi` command does, before numpy loads: library tests run in-process
