build/clang/obj/format/err.o: format/err.c format/err.h

format/err.h:
