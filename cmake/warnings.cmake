option(MICA_WERROR "Treat warnings as errors" ON)
function(mica_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wnon-virtual-dtor
    -Wcast-align -Wunused -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough)
  if(MICA_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
