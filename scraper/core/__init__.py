"""The pure core: the document model, parsing a page into it, telling a bot check from it,
diffing two documents, the flags and watched terms of a change. No network, no disk, no
clock: data in, data out."""
