// libotp/src/pin.cpp — to be written (issue 2).
