// libotp/src/hotp.cpp — to be written (issue 2).
