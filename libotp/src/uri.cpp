// libotp/src/uri.cpp — to be written (issue 2).
