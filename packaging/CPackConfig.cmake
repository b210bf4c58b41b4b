# CPack settings for the Debian package (cpack -G DEB in a build folder).
set(CPACK_PACKAGE_NAME "trainstudio")
set(CPACK_PACKAGE_VENDOR "TrainStudio")
set(CPACK_PACKAGE_CONTACT "TrainStudio developers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Desktop training studio: pipelines, distributed training, experiment store")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_GENERATOR "DEB")
include(CPack)
