"""Hostile input, full disks and odd archives (issue 20): each test here failed on the code
before its fix, and keeps that fix honest with real local servers, real files and the real CLI."""
