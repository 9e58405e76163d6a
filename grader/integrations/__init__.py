"""Taking the course to other graders: Gradescope's autograder and an nbgrader course.

gradescope.py          what run_autograder runs: grade the submission, write results.json
gradescope_bundle.py   `python -m grader autograder gradescope --out DIR`: setup.sh,
                       run_autograder and autograder.zip (a wheel of this package inside)
nbgrader_export.py     `python -m grader export nbgrader COURSE_DIR`: source/ notebooks with
                       nbgrader cell metadata, nbgrader_config.py and the course kernel
nbgrader_kernel.py     that kernel's launcher: refuses to start when the course cannot import
cli.py                 the two subcommands, hooked into `python -m grader`
"""
