# Builds the API reference: runs Doxygen on DOXYFILE, then counts the warnings it wrote to LOG.
#   cmake -DDOXYGEN=<doxygen> -DDOXYFILE=<Doxyfile> -DLOG=<warnings.log> [-DFAIL_ON_WARNING=ON] -P build_docs.cmake
# With FAIL_ON_WARNING, any warning (an undocumented public declaration, a broken reference) is an
# error that lists the first ones.
file(REMOVE ${LOG})
execute_process(COMMAND ${DOXYGEN} ${DOXYFILE} RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "API reference: doxygen failed (${_rc})")
endif()
set(_lines "")
if(EXISTS ${LOG})
  file(STRINGS ${LOG} _lines REGEX "warning:")
endif()
list(LENGTH _lines _count)
if(_count GREATER 0 AND FAIL_ON_WARNING)
  list(SUBLIST _lines 0 20 _first)
  string(REPLACE ";" "\n" _first "${_first}")
  message(FATAL_ERROR "API reference: ${_count} Doxygen warnings (${LOG}); the first ones:\n${_first}")
endif()
message(STATUS "API reference: ${_count} Doxygen warnings (${LOG})")
