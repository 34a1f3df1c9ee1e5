build/clang/obj/format/hex.o: format/hex.c format/hex.h

format/hex.h:
