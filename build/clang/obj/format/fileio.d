build/clang/obj/format/fileio.o: format/fileio.c format/fileio.h \
  format/err.h

format/fileio.h:

format/err.h:
