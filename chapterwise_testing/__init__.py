"""Test tools for Chapterwise's tests and benchmarks; never shipped in the wheel or the bundle.

- ``chapterwise_testing.llmsim``: a local HTTP server that speaks Ollama's and OpenAI's protocols.
- ``chapterwise_testing.pdfs``: PDFs with known text, headings and font sizes, built in memory.

It sits beside ``desktop_app`` in the checkout, so tests and ``bench/`` scripts run from the repository root
import it; ``pyproject.toml`` packages only ``desktop_app*``.
"""
