// libotp/src/passcode.cpp — to be written (issue 2).
