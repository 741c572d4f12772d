// libotp/src/window.cpp — to be written (issue 2).
