// libotp/src/base32.cpp — to be written (issue 2).
