"""check_embedding_training, experiment 2 judged (grader side): the learner's train_step.

recompute      the reference values, computed by the grader (in a graded run, in the grading
               side's worker process): starting weights, gradients with and without dropout,
               losses
fit            how the weights moved: steps of the given optimizer, scale, dropout mode (NumPy)
clipping       the "clipping" item
each_variable  the clipping item's last word: every variable that moved, small ones included,
               took the exercise's step, entry by entry
rows           the "step_rows" item
judge          every item of experiment 2
"""
