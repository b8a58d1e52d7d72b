# Concatenates the project's documentation and source into one text file (the embedded default
# corpus of `charlm train`). Run as: cmake -DROOT=<src> -DOUT=<file> -P concat_corpus.cmake
file(GLOB_RECURSE sources RELATIVE ${ROOT}
  ${ROOT}/README.md ${ROOT}/bench/*.md
  ${ROOT}/framework/*.hpp ${ROOT}/framework/*.cpp
  ${ROOT}/layers/*.hpp ${ROOT}/layers/*.cpp
  ${ROOT}/models/*.hpp ${ROOT}/models/*.cpp
  ${ROOT}/examples/*.hpp ${ROOT}/examples/*.cpp)
list(SORT sources)
set(text "")
foreach(f ${sources})
  file(READ ${ROOT}/${f} content)
  string(APPEND text "${content}\n")
endforeach()
file(WRITE ${OUT}.tmp "${text}")
file(RENAME ${OUT}.tmp ${OUT})
