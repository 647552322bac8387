option(MICA_WERROR "Treat warnings as errors" ON)
function(mica_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow
    -Wcast-align -Wunused -Wnull-dereference -Wimplicit-fallthrough
    $<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor -Woverloaded-virtual>)
  if(MICA_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
