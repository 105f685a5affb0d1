"""What a commit or a path is: bug-fix and change-kind rules read from messages, files and code; which commits fix bugs."""
