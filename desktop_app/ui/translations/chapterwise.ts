<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" sourcelanguage="en">
    <context>
        <name>AboutDialog</name>
        <message>
            <source>About Chapterwise</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Summarizes long documents chapter by chapter, live, on your own machine.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>Accessibility</name>
        <message>
            <source>Documents</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Your documents, newest first. Select one to see its chapters; F2 changes its priority.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Chapters</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The chapters of the selected document with their status; select one to read its summary.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Chapter summary</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The summary of the selected chapter.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Original text</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The selected chapter's original text, flagged clauses highlighted.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Document summary</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The summary of the whole document, once every chapter is done.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Focus for new documents</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>What the summaries of the next documents you add should attend to.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Pipeline and log</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Live pipeline gauges and the application log.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Pipeline</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Queues, workers, summary times, throughput and cache, live.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Log</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The application's log messages.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Backend problem</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The summarizer backend does not answer; retry or change the settings.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Documents in progress</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Summarizer and database</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Local API</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Choose a page</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Frequent actions</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Tabs</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>Actions</name>
        <message>
            <source>&amp;Open…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Open documents to summarize</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Open &amp;Folder…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Open every document in a folder and its subfolders</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Export as &amp;Markdown…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Export the document as Markdown</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Export as &amp;JSON…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Export the document as JSON</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>&amp;Copy as Markdown</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Copy the document as Markdown</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>&amp;Settings…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Summarizer, workers, database and cache</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>&amp;Quit</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Stop the pipeline and quit</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>&amp;Cancel</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Cancel the chapters not yet summarized</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>&amp;Retry failed chapters</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Queue failed and cancelled chapters again</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Re-&amp;summarize with focus…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Summarize the document again with another focus</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Re&amp;move…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Remove the document</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>&amp;High</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Summarize this document first</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>&amp;Normal</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Summarize this document in turn</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>&amp;Low</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Summarize this document after the others</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>&amp;Pipeline and log panel</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Show or hide the pipeline gauges and the log</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Show the &amp;log</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Show the application's log</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>&amp;About Chapterwise</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Version, libraries and where the data is</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>&amp;Keyboard shortcuts</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>List the keyboard shortcuts</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Open log &amp;folder</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Open the folder of the log file (to read it, or to attach it to a bug report)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Open a &amp;sample document</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Open a short tour of Chapterwise, to see a document summarized chapter by chapter</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Open &amp;Recent</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Local &amp;API</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Serve the local HTTP API (the URL shows in the status bar; the token is copied)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>&amp;File</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>&amp;Document</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>&amp;Priority</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>&amp;View</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>&amp;Help</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Main</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>BackendBanner</name>
        <message>
            <source>Retry now</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Check the endpoints again now</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Settings…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Change the backend, the model or the endpoint URLs</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Hide this message until the backend recovers and fails again</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Hide this message</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The summarizer backend does not answer.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Chapters cannot be summarized by %1 until one of its endpoints answers: check the URL, that the server is running and that the model is pulled.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Chapters cannot be summarized by %1 until it answers: check the URL, that the server is running and that the model is pulled.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Checking…</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>ChaptersModel</name>
        <message>
            <source>Back matter (an index, a bibliography…): not in the document's summary</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The publisher's notice (a licence): not in the document's summary</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Front matter</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>cached</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>#</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Title</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Status</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Words</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Time</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Clause flags</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Chapter number</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Chapter title</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Status (parts done / parts, for a long chapter summarized in parts)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Words in the chapter</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Time the summary took</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Clauses flagged as high-risk</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>Controller</name>
        <message>
            <source>Settings saved and applied</source>
            <translation type="unfinished" />
        </message>
        <message numerus="yes">
            <source>Cancelled %n chapter(s)</source>
            <translation type="unfinished">
                <numerusform />
            </translation>
        </message>
        <message numerus="yes">
            <source>Queued %n chapter(s) again</source>
            <translation type="unfinished">
                <numerusform />
            </translation>
        </message>
        <message>
            <source>Nothing to retry</source>
            <translation type="unfinished" />
        </message>
        <message numerus="yes">
            <source>Summarizing %n chapter(s) again with the focus “%1”</source>
            <translation type="unfinished">
                <numerusform />
            </translation>
        </message>
        <message numerus="yes">
            <source>Summarizing %n chapter(s) again without a focus</source>
            <translation type="unfinished">
                <numerusform />
            </translation>
        </message>
        <message>
            <source>Remove “%1” and its summaries? This cannot be undone.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Remove document</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>That document no longer exists</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Could not do that</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Exported to %1</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Export failed</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Copied as Markdown</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Document removed</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>Dialogs</name>
        <message>
            <source>The password did not open %1. Try again:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>%1 is password-protected. Enter its password:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Password needed</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Read “%1” with OCR now? It takes a few seconds a page.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Scanned PDF</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Markdown (*.md)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>JSON (*.json)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Export</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Open documents</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Open a folder of documents</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Keyboard shortcuts</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>DocumentPane</name>
        <message>
            <source>No document selected</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Drop files on the window, or use File ▸ Open.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Markdown</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Export to Markdown (Ctrl+E)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>JSON</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Export to JSON (Ctrl+Shift+E)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Copy</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Copy the text shown in the summary pane</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Summary</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Original text</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Document summary</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Source of the chosen sentence</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The page of the passage a summary sentence or clause comes from</source>
            <translation type="unfinished" />
        </message>
        <message numerus="yes">
            <source>%n chapter(s)</source>
            <translation type="unfinished">
                <numerusform />
            </translation>
        </message>
        <message>
            <source>%1/%2 done</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>No whole-document summary: %1.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The whole-document summary appears here when every chapter is done.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Select a chapter to read its summary.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Source: page %1</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Source highlighted in the chapter's text</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>(no text to summarize)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The clause check failed: %1</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Not summarized:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Use Document ▸ Retry failed chapters to try again.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Cancelled. Retry to summarize it.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>A long chapter, summarized in %1 parts: %2 done…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Waiting for its summary…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Flagged clauses</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Page %1</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The chapter does not say this</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Summarized by the built-in summarizer instead of %1: %2</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>DocumentsModel</name>
        <message>
            <source>Title</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Type</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Ch.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Progress</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Status</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Priority</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Time</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Format</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Chapters</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Chapters done / total</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Priority (double-click to change)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Time since the document was added</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>DocumentsPanel</name>
        <message>
            <source>Documents</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Drop PDF, EPUB, DOCX, Markdown or text files anywhere on this window,
or use File ▸ Open (Ctrl+O).</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>New here? Open a sample document</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>FileOpener</name>
        <message>
            <source>Documents</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>All files</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Could not read the folder</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Not a supported file</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Chapterwise cannot read %1. It reads PDF, EPUB, DOCX, Markdown and plain-text files.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>No documents in %1</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>There is no PDF, EPUB, DOCX, Markdown or text file in this folder or its subfolders.</source>
            <translation type="unfinished" />
        </message>
        <message numerus="yes">
            <source>Skipped %n item(s) in the folder: hidden, or not a document</source>
            <translation type="unfinished">
                <numerusform />
            </translation>
        </message>
        <message>
            <source>Reading %1 with OCR…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Reading %1…</source>
            <translation type="unfinished" />
        </message>
        <message numerus="yes">
            <source>Added %1: %n chapter(s)</source>
            <translation type="unfinished">
                <numerusform />
            </translation>
        </message>
        <message>
            <source>Skipped %1: no password given</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Could not open %1</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>FocusField</name>
        <message>
            <source>Focus:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>What the summaries should pay attention to. Used for every file dropped or opened while set.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Re-summarize</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Summarize every chapter of this document again with this focus</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Re-summarize with this focus</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>MainWindow</name>
        <message>
            <source>Pipeline</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Log</source>
            <translation type="unfinished" />
        </message>
        <message numerus="yes">
            <source>%n document(s)</source>
            <translation type="unfinished">
                <numerusform />
            </translation>
        </message>
        <message numerus="yes">
            <source>%n in progress</source>
            <translation type="unfinished">
                <numerusform />
            </translation>
        </message>
        <message>
            <source>Local API</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>No recent files</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>Menus</name>
        <message>
            <source>No sample document</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The sample document is missing from this installation; reinstall Chapterwise.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Cannot open the log folder</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>No file manager opened it. The log file is in:
{folder}</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>PipelinePanel</name>
        <message>
            <source>Time per chapter: median / p95 / p99</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Summary queue</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Write queue</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Workers busy / running</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Database commit per batch</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Chapters per minute</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Cache hit rate</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Time per chapter</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Backlog</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>seconds ago</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>How long each chapter's summary took over the last minutes: median, 95th and 99th percentile.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>chapters waiting for a worker</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>results waiting for the database</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>pool %1–%2</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>, server takes %1 at once</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>pipeline stopped</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>%1 median</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>p95 %1 · p99 %2</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>p99 %1 · last %2</source>
            <translation type="unfinished" />
        </message>
        <message numerus="yes">
            <source>%n chapter(s) done this run</source>
            <translation type="unfinished">
                <numerusform />
            </translation>
        </message>
        <message>
            <source>idle</source>
            <translation type="unfinished" />
        </message>
        <message numerus="yes">
            <source>%n hit(s)</source>
            <translation type="unfinished">
                <numerusform />
            </translation>
        </message>
        <message numerus="yes">
            <source>%n miss(es)</source>
            <translation type="unfinished">
                <numerusform />
            </translation>
        </message>
        <message>
            <source>off</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>cache disabled</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>chapters waiting in the database</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>Priority</name>
        <message>
            <source>high</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>normal</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>low</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>PriorityDelegate</name>
        <message>
            <source>Priority</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>SettingsDialog</name>
        <message>
            <source>Settings</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>extractive: built in, offline; ollama: an Ollama server; openai: an OpenAI-compatible server</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>a .gguf file, for the local backend</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Choose…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Summarizer</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Backend</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Model</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Model file</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Test connection</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Check now whether these endpoints answer and have the model (nothing is saved)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Endpoints</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>API key</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Workers</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>At start</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Minimum</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Maximum</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Cache summaries by content</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>never expires</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Storage and cache</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Database URL</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Cache entries</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Cache TTL</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Endpoints: “%1” is not an http:// or https:// URL</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Workers: the number at start is above the maximum</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Could not save the settings: %1</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Cannot test: %1</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Testing…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Testing the connection…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>No endpoint to test.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Problems with these settings</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Connection test result</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Workers at start</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Minimum workers</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Maximum workers</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>Status</name>
        <message>
            <source>parsing…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>pending</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>processing</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>summarizing</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>done</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>failed</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>cancelled</source>
            <translation type="unfinished" />
        </message>
    </context>
</TS>
